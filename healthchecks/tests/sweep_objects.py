"""The sweep's loader imports this module; the registrations live in sweep_objects_healthchecks."""

from healthchecks.tests.sweep_objects_healthchecks import link_id, questionnaire_id, response  # noqa: F401

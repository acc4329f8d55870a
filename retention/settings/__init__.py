"""Settings package: ``base`` holds everything read from the environment; the others adjust it.

``DJANGO_SETTINGS_MODULE`` picks one of ``local`` (default for manage.py), ``test`` and
``production``.
"""

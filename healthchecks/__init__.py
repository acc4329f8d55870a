"""Customer-facing questionnaires reached by shared links: definitions, responses, results."""

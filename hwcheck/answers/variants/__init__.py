"""`hwcheck variants`: a variant of a template key per student (CONVENTIONS §6c)."""

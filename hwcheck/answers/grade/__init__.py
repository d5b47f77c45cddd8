"""``hwcheck grade``: an instructor's key, the students' answers, a score per student, a class report."""

"""Results to text, Markdown, LaTeX, HTML, plots and files. Nothing below imports this."""

"""Views: render a Profile for people (flame graph SVG, top/list tables, HTML report)."""

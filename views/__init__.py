"""Dashboard pages. Each page file only draws: its numbers come from analytics/."""

"""Results people take away: answers as tables (CSV, xlsx) and charts (issue 22)."""

"""The missions and Health Partnerships an association organises: their teams, reports and the
contributions they bring their members."""

"""The impact dashboard: the rollups kept in step with verified contributions, what they add up
to over a range of months, and the charts drawn from them."""

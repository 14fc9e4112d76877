"""The owner's weekly brief: goals, the fixes worth doing this week, and what moves the star rating."""

"""The window review pad (评价器 on a screen): the citizen rates the clerk after each ticket."""

"""Replaying a hall's day: scenarios, the simulator and the dispatch benchmark."""

"""The hall display, the voice announcer and the LED window-display loop."""

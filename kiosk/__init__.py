"""Kivy apps people touch: the ticket kiosk and the window review pad."""

"""What the device apps share on screen: the Kivy set-up (ui.kivy_env). Imports nothing of the app packages."""

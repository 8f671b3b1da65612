"""What the device apps share on screen: the Kivy set-up (ui.kivy_env) and the WCAG contrast rule
(ui.colour). Imports nothing of the app packages."""

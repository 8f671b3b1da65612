"""Helpers shared by the test modules (no test module imports another): the hall over the API,
loopback servers and ports, the pure-hall driver, fake devices, the browser and the Kivy harnesses."""

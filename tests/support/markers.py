"""What the inner loop (`make test-fast`) leaves out, besides tests marked `slow` and those using
the `browser` fixture: the modules whose tests run Kivy in a child process (one Window per process).
tests/conftest.py marks their tests `kivy`; test_suite_rules checks that this list misses none."""

KIVY_CHILD_MODULES = frozenset({"test_display_app", "test_display_e2e", "test_kiosk_app", "test_kiosk_caps_screens", "test_kiosk_pickup_screens", "test_kiosk_screens",
                                "test_review_app"})

"""The notification centre: in-app notifications with a bell, per-kind delivery choices
(in-app, email, both, none), and reminders of tasks and meetings run by the scheduler."""

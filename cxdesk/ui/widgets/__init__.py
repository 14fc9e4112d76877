"""Small reusable widgets shared by the screens: message bar, date-range picker, busy overlay."""

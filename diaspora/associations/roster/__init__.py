"""An association's roster: the member directory, CSV import (invitations) and CSV export."""

"""What proves a contribution: the public proof page and its QR code, the portfolio as a PDF, the
signed Open Badges credential, the credentials issued and the status lists that revoke them."""

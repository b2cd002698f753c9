"""Files made for staff: charts, spreadsheets."""

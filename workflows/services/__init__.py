"""The province's service directory: agencies of three levels, what each provides, their contacts and hours."""

"""Request and response shapes only the API has; resource shapes come from core."""

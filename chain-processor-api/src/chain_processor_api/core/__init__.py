"""What every route relies on: settings, errors, security, middleware and logging."""

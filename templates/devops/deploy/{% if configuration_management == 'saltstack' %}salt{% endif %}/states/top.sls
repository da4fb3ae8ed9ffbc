# Which states each minion gets: every host in the roster runs the service.
base:
  '*':
    - app_service

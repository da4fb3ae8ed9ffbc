# Which pillar data each minion gets.
base:
  '*':
    - app_service

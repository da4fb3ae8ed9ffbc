{#- Runs the service from a virtualenv under a hardened systemd unit. The service is installed
    from the wheels in files/wheels (staged there from dist/ by `make wheels`) with no_index, so
    hosts need no package index. Settings: pillar app_service over defaults.yaml. #}
{%- import_yaml 'app_service/defaults.yaml' as defaults %}
{%- set svc = salt['pillar.get']('app_service', default=defaults.app_service, merge=True) %}
{%- set name = svc.name %}
{%- set home = '/opt/' ~ name %}
{%- set venv = home ~ '/venv' %}
{%- set wheels = home ~ '/wheels' %}
{%- set config_dir = '/etc/' ~ name %}
{%- set env_file = config_dir ~ '/' ~ name ~ '.env' %}
{%- set os_packages = svc.os_packages.get(grains['os_family'], svc.os_packages['default']) %}

app_service-os-packages:
  pkg.installed:
    - pkgs: {{ os_packages | json }}

app_service-group:
  group.present:
    - name: {{ name }}
    - system: True

app_service-user:
  user.present:
    - name: {{ name }}
    - gid: {{ name }}
    - system: True
    - shell: /usr/sbin/nologin
    - home: {{ home }}
    - createhome: False
    - require:
      - group: app_service-group

app_service-directories:
  file.directory:
    - names:
      - {{ home }}
      - {{ config_dir }}
    - user: root
    - group: {{ name }}
    - mode: "0750"
    - require:
      - group: app_service-group

app_service-wheels:
  file.recurse:
    - name: {{ wheels }}
    - source: salt://app_service/files/wheels
    - user: root
    - group: root
    - dir_mode: "0755"
    - file_mode: "0644"
    - clean: True
    - require:
      - file: app_service-directories

app_service-venv:
  cmd.run:
    - name: {{ svc.python }} -m venv {{ venv }}
    - creates: {{ venv }}/bin/python
    - require:
      - pkg: app_service-os-packages
      - file: app_service-directories

app_service-install:
  pip.installed:
    - name: {{ svc.package }}
    - bin_env: {{ venv }}
    - no_index: True
    - find_links: {{ wheels }}
    - upgrade: True
    # New wheels of the same version hold new code: reinstall, do not keep what is there.
    - force_reinstall: True
    - require:
      - cmd: app_service-venv
    - onchanges:
      - cmd: app_service-venv
      - file: app_service-wheels

app_service-env:
  file.managed:
    - name: {{ env_file }}
    - source: salt://app_service/files/service.env.j2
    - template: jinja
    - user: root
    - group: {{ name }}
    - mode: "0640"
    - context:
        host: {{ svc.host | json }}
        port: {{ svc.port | int }}
        log_level: {{ svc.log_level | json }}
    - require:
      - file: app_service-directories

app_service-unit:
  file.managed:
    - name: /etc/systemd/system/{{ name }}.service
    - source: salt://app_service/files/service.service.j2
    - template: jinja
    - user: root
    - group: root
    - mode: "0644"
    - context:
        service_name: {{ name | json }}
        package: {{ svc.package | json }}
        venv: {{ venv | json }}
        env_file: {{ env_file | json }}

app_service-running:
  service.running:
    - name: {{ name }}
    - enable: True
    - require:
      - user: app_service-user
    - watch:
      - pip: app_service-install
      - file: app_service-env
      - file: app_service-unit

app_service-healthy:
  http.wait_for_successful_query:
    - name: http://127.0.0.1:{{ svc.port }}/healthz
    - status: 200
    - wait_for: 30
    - request_interval: 3
    - require:
      - service: app_service-running

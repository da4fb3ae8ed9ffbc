# @summary Runs the service from a virtualenv under a hardened systemd unit.
#
# Installs the service from the wheels in this module's files/wheels (staged there from dist/
# by `make wheels`) with --no-index, so hosts need no package index.
#
# @example
#   class { 'app_service':
#     service_name => 'acme',
#     package      => 'acme',
#   }
#
# @param service_name
#   Name of the systemd unit, the system user and group, and the directories.
# @param package
#   Python package of the service, run as `python -m PACKAGE`.
# @param host
#   Address the service binds.
# @param port
#   TCP port the service listens on.
# @param log_level
#   DEBUG, INFO, WARNING, ERROR or CRITICAL.
# @param python
#   Interpreter that creates the virtualenv.
# @param os_packages
#   Packages that provide the interpreter and its venv module.
class app_service (
  String[1] $service_name,
  Pattern[/\A[a-z_][a-z0-9_]*\z/] $package,
  String[1] $host = '0.0.0.0',
  Integer[1, 65535] $port = 8000,
  Enum['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] $log_level = 'INFO',
  String[1] $python = '/usr/bin/python3',
  Array[String[1]] $os_packages = $facts['os']['family'] ? {
    'Debian' => ['python3', 'python3-venv'],
    default  => ['python3'],
  },
) {
  $home = "/opt/${service_name}"
  $venv = "${home}/venv"
  $wheels = "${home}/wheels"
  $config_dir = "/etc/${service_name}"
  $env_file = "${config_dir}/${service_name}.env"
  $unit_file = "/etc/systemd/system/${service_name}.service"

  package { $os_packages:
    ensure => installed,
  }

  group { $service_name:
    ensure => present,
    system => true,
  }

  user { $service_name:
    ensure     => present,
    gid        => $service_name,
    system     => true,
    shell      => '/usr/sbin/nologin',
    home       => $home,
    managehome => false,
    require    => Group[$service_name],
  }

  file { [$home, $config_dir]:
    ensure  => directory,
    owner   => 'root',
    group   => $service_name,
    mode    => '0750',
    require => Group[$service_name],
  }

  file { $wheels:
    ensure  => directory,
    owner   => 'root',
    group   => 'root',
    mode    => '0755',
    recurse => true,
    purge   => true,
    force   => true,
    source  => 'puppet:///modules/app_service/wheels',
  }

  exec { "${service_name}-venv":
    command => "${python} -m venv ${venv}",
    creates => "${venv}/bin/python",
    path    => ['/usr/bin', '/bin'],
    require => [Package[$os_packages], File[$home]],
  }

  # --force-reinstall: new wheels of the same version (`make wheels` after a code change) hold
  # new code that pip would otherwise take as already installed.
  exec { "${service_name}-install":
    command     => "${venv}/bin/python -m pip install --no-index --force-reinstall --find-links ${wheels} --upgrade ${package}",
    path        => ['/usr/bin', '/bin'],
    refreshonly => true,
    subscribe   => [Exec["${service_name}-venv"], File[$wheels]],
    notify      => Service[$service_name],
  }

  file { $env_file:
    ensure  => file,
    owner   => 'root',
    group   => $service_name,
    mode    => '0640',
    content => epp('app_service/service.env.epp', {
        'host'      => $host,
        'port'      => $port,
        'log_level' => $log_level,
    }),
    notify  => Service[$service_name],
  }

  file { $unit_file:
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => epp('app_service/service.service.epp', {
        'service_name' => $service_name,
        'package'      => $package,
        'venv'         => $venv,
        'env_file'     => $env_file,
    }),
    notify  => Exec["${service_name}-daemon-reload"],
  }

  exec { "${service_name}-daemon-reload":
    command     => 'systemctl daemon-reload',
    path        => ['/usr/bin', '/bin'],
    refreshonly => true,
    notify      => Service[$service_name],
  }

  service { $service_name:
    ensure  => running,
    enable  => true,
    require => [User[$service_name], Exec["${service_name}-install"], File[$env_file, $unit_file]],
  }
}

#
# Cookbook:: app_service
# Recipe:: default
#
# Runs the service from a virtualenv under a hardened systemd unit. The service is installed from
# the wheels in files/wheels (staged there from dist/ by `make wheels`) with --no-index, so hosts
# need no package index.

settings = node['app_service']
service_name = settings['name']
home = "/opt/#{service_name}"
venv = "#{home}/venv"
wheels = "#{home}/wheels"
config_dir = "/etc/#{service_name}"
env_file = "#{config_dir}/#{service_name}.env"
unit_file = "/etc/systemd/system/#{service_name}.service"

package settings['os_packages']

group service_name do
  system true
end

user service_name do
  gid service_name
  system true
  shell '/usr/sbin/nologin'
  home home
  manage_home false
end

[home, config_dir].each do |dir|
  directory dir do
    owner 'root'
    group service_name
    mode '0750'
  end
end

# The wheels first: a new virtualenv installs from them at once.
remote_directory wheels do
  source 'wheels'
  owner 'root'
  group 'root'
  mode '0755'
  files_owner 'root'
  files_group 'root'
  files_mode '0644'
  purge true
  notifies :run, 'execute[install the service]', :immediately
end

execute 'create the virtualenv' do
  command [settings['python'], '-m', 'venv', venv]
  creates "#{venv}/bin/python"
  notifies :run, 'execute[install the service]', :immediately
end

# --force-reinstall: new wheels of the same version (`make wheels` after a code change) hold new
# code that pip would otherwise take as already installed.
execute 'install the service' do
  command ["#{venv}/bin/python", '-m', 'pip', 'install', '--no-index', '--force-reinstall',
           '--find-links', wheels, '--upgrade', settings['package']]
  action :nothing
  notifies :restart, "service[#{service_name}]", :delayed
end

template env_file do
  source 'service.env.erb'
  owner 'root'
  group service_name
  mode '0640'
  variables(host: settings['host'], port: settings['port'], log_level: settings['log_level'])
  notifies :restart, "service[#{service_name}]", :delayed
end

template unit_file do
  source 'service.service.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(service_name: service_name, package: settings['package'], venv: venv,
            env_file: env_file)
  notifies :run, 'execute[systemctl daemon-reload]', :immediately
  notifies :restart, "service[#{service_name}]", :delayed
end

execute 'systemctl daemon-reload' do
  action :nothing
end

service service_name do
  action [:enable, :start]
end

http_request 'wait until the service reports healthy' do
  url "http://127.0.0.1:#{settings['port']}/healthz"
  action :nothing
  retries 10
  retry_delay 3
  subscribes :get, "service[#{service_name}]", :delayed
end

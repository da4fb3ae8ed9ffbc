# Policyfile: the run list of the service hosts. `make provision` converges them with chef-run
# (Chef Workstation) over SSH; `chef install && chef push` serves the same policy from a Chef
# Infra Server instead.
name 'app_service'
run_list 'app_service::default'
cookbook 'app_service', path: 'cookbooks/app_service'

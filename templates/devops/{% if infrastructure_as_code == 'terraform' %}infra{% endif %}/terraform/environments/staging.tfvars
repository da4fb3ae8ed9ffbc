environment   = "staging"
aws_region    = "eu-west-1"
vpc_id        = "vpc-00000000000000000"    # replace with your staging VPC
subnet_id     = "subnet-00000000000000000" # replace with a private subnet
allowed_cidrs = ["10.0.0.0/16"]
instance_type = "t3.small"

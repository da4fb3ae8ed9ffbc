environment      = "production"
aws_region       = "eu-west-1"
vpc_id           = "vpc-11111111111111111"    # replace with your production VPC
subnet_id        = "subnet-11111111111111111" # replace with a private subnet
allowed_cidrs    = ["10.1.0.0/16"]
instance_type    = "t3.medium"
root_volume_size = 30

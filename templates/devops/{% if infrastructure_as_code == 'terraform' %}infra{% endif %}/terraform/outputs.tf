output "instance_id" {
  description = "EC2 instance id (connect with `aws ssm start-session --target <id>`)."
  value       = aws_instance.service.id
}

output "private_ip" {
  description = "Private IP address of the service host."
  value       = aws_instance.service.private_ip
}

output "security_group_id" {
  description = "Security group of the service host."
  value       = aws_security_group.service.id
}

output "artifacts_bucket" {
  description = "Name of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.bucket
}

"""Channel economics: cost per interaction and per resolution, recommendation lift with its models, the what-if of moving phone volume to social."""

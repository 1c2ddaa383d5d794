#!/bin/sh
# Installs the AWS Lambda Runtime Interface Emulator (aws-lambda-rie) for the
# tests in functions/ that run each built bootstrap under it.
# Usage: infra/peers/lambda-rie.sh
exec sh "$(dirname "$0")/goinstall.sh" aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator cmd/aws-lambda-rie v0.0.0-20261030222936-bef5c4ba774d

# tokenguard pre-apply checks for Terraform and Ansible, as make rules:
# `make plan`, `make apply` and `make playbook` run only when no npm token
# material is in the variables and state they would use. Put
# tokenguard-preapply.sh next to your Makefile and add
#
#	include tokenguard-preapply.mk
#
# (or copy these rules). Every name below can be set on the command line
# or before the include: make apply TOKENGUARD_DIRS="env/prod modules".

TOKENGUARD ?= tokenguard
TOKENGUARD_PREAPPLY ?= ./tokenguard-preapply.sh
# Directories to check: Terraform roots, group_vars/, host_vars/, ...
TOKENGUARD_DIRS ?= .
# With a remote backend, add tokenguard-state: the state is not on disk.
TOKENGUARD_CHECKS ?= tokenguard-check
TERRAFORM ?= terraform
ANSIBLE_PLAYBOOK ?= ansible-playbook
INVENTORY ?= inventory
PLAYBOOK ?= site.yml

export TOKENGUARD

.PHONY: tokenguard-check tokenguard-state plan apply playbook

# Variable files, local state, Ansible variables: on disk.
tokenguard-check:
	$(TOKENGUARD_PREAPPLY) $(TOKENGUARD_DIRS)

# The state of a remote backend, pulled into memory and scanned from
# standard input (findings name it "-"). A failed pull fails the check.
tokenguard-state:
	@state=$$($(TERRAFORM) state pull) || exit 2; \
	    printf '%s\n' "$$state" | $(TOKENGUARD) scan -

plan: $(TOKENGUARD_CHECKS)
	$(TERRAFORM) plan

apply: $(TOKENGUARD_CHECKS)
	$(TERRAFORM) apply

playbook: tokenguard-check
	$(ANSIBLE_PLAYBOOK) -i $(INVENTORY) $(PLAYBOOK)

#!/usr/bin/env bash
# Deploy an environment's stacks in order: the backup account's vaults (backup account, backup region)
# first, then the environment account's backup infrastructure, monitoring, the artifacts bucket, the
# Cognito exporter (its code built and uploaded with 'aws cloudformation package') and one backup plan per
# category.
#
#   scripts/deploy.sh --env ENV [--dry-run] [--stack KEY|NAME] [--endpoint-url URL]
#                     [--config-dir DIR] [--with-sample-app]
#
#   --dry-run          create a change set per stack and print it; execute nothing
#   --stack            deploy only this stack (see 'retention stacks --env ENV'); earlier stacks must exist
#   --endpoint-url     talk to a local AWS (the sandbox) instead of AWS
#   --with-sample-app  also deploy the demo application (sandbox and demos only)
#
# The configuration is validated and the gate (cfn-lint, checkov, the static audit) passes before anything
# is deployed, and only the templates the gate checked are deployed: each is copied, and refused (exit 1,
# naming it) unless the gate's manifest holds its path and SHA-256; a packaged template may differ from
# its checked copy only in the code locations it uploaded (docs/deployer-threat-model.md). The stack list
# and parameters come from the configuration through 'retention stacks' / 'retention params' as JSON
# (nothing is typed twice, and no value can forge a field); each stack is created or updated through a
# change set with the parameters as a JSON file, the same change set a dry run shows.
# A failed stack prints its failing events and stops the run (exit 1), naming what was and was not
# deployed. This script never deletes a stack, a change set that ran, or a retained resource.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

env="" dry_run=0 only_stack="" endpoint=() config_dir=() with_sample=()
while [ $# -gt 0 ]; do
  case "$1" in
    --env) need_value "$1" "${2:-}"; env="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --stack) need_value "$1" "${2:-}"; only_stack="$2"; shift 2 ;;
    --endpoint-url) need_value "$1" "${2:-}"; endpoint=(--endpoint-url "$2"); shift 2 ;;
    --config-dir) need_value "$1" "${2:-}"; config_dir=(--config-dir "$2"); shift 2 ;;
    --with-sample-app) with_sample=(--with-sample-app); shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required (one of the files in config/)"
bootstrap
cd "$RETENTION_ROOT" || exit 2

work="$(mktemp -d)" || exit 2
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/outputs"
manifest="$work/gate-templates.json"  # what the gate checked: path, size and SHA-256 of each template

retention config validate --env "$env" "${config_dir[@]}" >/dev/null || exit 2
# RETENTION_DEPLOY_GATE (tests only) names a stand-in for gate.sh that writes the manifest, so a template
# that is not what the gate checked can be shown to be refused without editing cloudformation/. It is
# honoured only against a local endpoint (the sandbox): a deploy to AWS always runs the real gate.
if [ -n "${RETENTION_DEPLOY_GATE:-}" ] && [ ${#endpoint[@]} -eq 0 ]; then
  die "RETENTION_DEPLOY_GATE replaces the gate and is honoured only with --endpoint-url (the sandbox); unset it"
fi
"${RETENTION_DEPLOY_GATE:-$RETENTION_ROOT/scripts/gate.sh}" --env "$env" "${config_dir[@]}" --manifest "$manifest" ||
  exit $?

# The stacks as NUL-separated fields, FIELDS per stack, parsed from JSON by the project's Python.
retention stacks --env "$env" "${config_dir[@]}" "${with_sample[@]}" --format json >"$work/stacks.json" || exit 2
FIELDS=7
json_fields "$work/stacks.json" key name side account_id region profile template >"$work/stacks.nul" || exit 2
mapfile -d '' -t plan <"$work/stacks.nul"
count=$(( ${#plan[@]} / FIELDS ))
[ $count -gt 0 ] && [ $(( count * FIELDS )) -eq ${#plan[@]} ] || die "'retention stacks' gave no stack list"

# stack_at INDEX: sets key name side account region profile template of the INDEX-th stack.
stack_at() {
  local at=$(( $1 * FIELDS ))
  key="${plan[at]}" name="${plan[at + 1]}" side="${plan[at + 2]}" account="${plan[at + 3]}"
  region="${plan[at + 4]}" profile="${plan[at + 5]}" template="${plan[at + 6]}"
}

selected=()
for ((i = 0; i < count; i++)); do
  stack_at "$i"
  if [ -z "$only_stack" ] || [ "$key" = "$only_stack" ] || [ "$name" = "$only_stack" ]; then selected+=("$i"); fi
done
if [ ${#selected[@]} -eq 0 ]; then
  known=()
  for ((i = 0; i < count; i++)); do stack_at "$i"; known+=("$key"); done
  die "--stack $only_stack: not a stack of $env (known: ${known[*]})"
fi

# aws_side PROFILE REGION ARGS...: the AWS CLI for one account and region (no profile: the environment's
# credentials).
aws_side() {
  local profile="$1" region="$2"; shift 2
  local args=(--region "$region" "${endpoint[@]}")
  [ -n "$profile" ] && args+=(--profile "$profile")
  aws "${args[@]}" "$@"
}

check_credentials() {  # SIDE ACCOUNT PROFILE REGION
  local side="$1" account="$2" profile="$3" region="$4" actual
  if ! actual="$(aws_side "$profile" "$region" sts get-caller-identity --query Account --output text 2>"$work/sts.err")"; then
    local hint="set profiles.$side in config/$env.json or export AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    [ -n "$profile" ] && hint="check the AWS CLI profile '$profile' (profiles.$side in config/$env.json)"
    die "no usable AWS credentials for the $side account ($account): $hint [$(head -c 200 "$work/sts.err" | tr '\n' ' ')]"
  fi
  if [ "$actual" != "$account" ]; then
    if [ ${#endpoint[@]} -gt 0 ]; then
      say "note: the endpoint answers as account $actual for the $side account ($account); continuing (sandbox)"
    else
      die "the credentials for the $side account belong to account $actual, not $account (config/$env.json)"
    fi
  fi
}

save_outputs() {  # KEY NAME PROFILE REGION: outputs of a deployed stack, for the stacks after it
  local key="$1" name="$2" profile="$3" region="$4"
  aws_side "$profile" "$region" cloudformation describe-stacks --stack-name "$name" \
    --query 'Stacks[0].Outputs' --output json >"$work/outputs/$key.json" 2>/dev/null || rm -f "$work/outputs/$key.json"
}

stack_status() {  # NAME PROFILE REGION -> status or NONE
  aws_side "$2" "$3" cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' \
    --output text 2>/dev/null || echo NONE
}

print_failure_events() {  # NAME PROFILE REGION
  say "failing events of $1 (newest first):"
  aws_side "$2" "$3" cloudformation describe-stack-events --stack-name "$1" --max-items 100 \
    --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceType,ResourceStatus,ResourceStatusReason]" \
    --output text 2>/dev/null | head -20 | sed 's/^/    /' >&2
}

output_value() {  # KEY OUTPUT: an output of a stack deployed (or read) in this run, or nothing
  [ -f "$work/outputs/$1.json" ] || return 0
  "$RETENTION_PY" -c 'import json,sys
outputs = json.load(open(sys.argv[1])) or []
print(next((o["OutputValue"] for o in outputs if o["OutputKey"] == sys.argv[2]), ""))' "$work/outputs/$1.json" "$2"
}

# A template whose Lambda Code is a local folder is packaged first: the folder is built from the
# repository (python -m exporter.build, restore_validator.build) and 'aws cloudformation package' uploads it to the artifacts
# bucket (stack 'artifacts', deployed earlier in the same order) and writes a template naming the upload.
has_local_code() { grep -Eq '^ +Code: +[^{ ]' "$1"; }  # the rule of audit.deployment.has_local_code

REFUSED=5 NO_BUCKET=3
# checked_template KEY PROFILE REGION TEMPLATE -> prints the file to deploy: a private copy of TEMPLATE
# whose path and SHA-256 the gate's manifest holds, or the template 'aws cloudformation package' wrote from
# it, which may differ from that copy only in the code locations it uploaded to the artifacts bucket.
# Returns REFUSED (the template is not what the gate checked), NO_BUCKET (its code has nowhere to go yet)
# or 1 (the code could not be built or uploaded).
checked_template() {
  # two locals: in one, $key would still be the caller's when copy is assigned
  local key="$1" profile="$2" region="$3" template="$4" bucket
  local copy="$work/cfn/$key.checked.yaml"
  if ! { mkdir -p "$work/cfn" && cp -- "$template" "$copy" 2>"$work/cp.err"; }; then
    say "    cannot copy $template: $(head -c 200 "$work/cp.err")"; return $REFUSED
  fi
  retention gate verify --manifest "$manifest" --template "$template" --file "$copy" | sed 's/^/    /' >&2 ||
    return $REFUSED
  has_local_code "$copy" || { echo "$copy"; return 0; }
  bucket="$(output_value artifacts ArtifactsBucketName)"
  if [ -z "$bucket" ]; then
    say "    $key has Lambda code to upload, but the artifacts bucket (stack 'artifacts') is not deployed"
    return $NO_BUCKET
  fi
  # every code folder a template may name: the exporter's, and the restore validator's (which ships the
  # exporter's manifest check with it), built into this run's own folder: the checked copy sits in
  # $work/cfn/, so its '../.build/...' Code path names $work/.build/, and what is packaged is the very copy
  # the gate verified (never the repository's file, which could change in between, nor a folder another
  # run is building)
  { "$RETENTION_PY" -m exporter.build "$work/.build/cognito-exporter" &&
    "$RETENTION_PY" -m restore_validator.build "$work/.build/restore-validator"; } 2>/dev/null ||
    { say "    could not build the Lambda code of $key"; return 1; }
  # 'package' uploads with its own S3 client, which ignores --endpoint-url: AWS_ENDPOINT_URL reaches it.
  # It reads the template where it is (its Code path is relative to it); what it writes is checked below.
  [ ${#endpoint[@]} -gt 0 ] && export AWS_ENDPOINT_URL="${endpoint[1]}"
  aws_side "$profile" "$region" cloudformation package --template-file "$copy" --s3-bucket "$bucket" \
    --s3-prefix "$env/$key" --output-template-file "$work/$key.packaged.yaml" >"$work/package.out" 2>&1 ||
    { sed 's/^/    /' "$work/package.out" >&2; say "    could not upload the Lambda code of $key to s3://$bucket"; return 1; }
  say "    code of $key uploaded to s3://$bucket/$env/$key/"
  retention gate verify --manifest "$manifest" --template "$template" --file "$copy" \
    --packaged "$work/$key.packaged.yaml" --bucket "$bucket" | sed 's/^/    /' >&2 || return $REFUSED
  echo "$work/$key.packaged.yaml"
}

NO_CHANGES=4
# create_change_set NAME PROFILE REGION TEMPLATE PARAMS PREFIX: create a change set of TEMPLATE with the
# parameters of the JSON file PARAMS and wait until it is ready. Sets change_set, change_type and
# change_reason; returns 0 (ready), NO_CHANGES (the stack already matches) or 1 (failed).
create_change_set() {
  local name="$1" profile="$2" region="$3" template="$4" params="$5" prefix="$6" status
  status="$(stack_status "$name" "$profile" "$region")"
  case "$status" in NONE|REVIEW_IN_PROGRESS) change_type=CREATE ;; *) change_type=UPDATE ;; esac
  change_set="$prefix-$(date -u +%Y%m%d%H%M%S)" change_reason=""
  if ! aws_side "$profile" "$region" cloudformation create-change-set --stack-name "$name" \
       --change-set-name "$change_set" --change-set-type "$change_type" --template-body "file://$template" \
       --parameters "file://$params" --capabilities CAPABILITY_NAMED_IAM \
       --tags "Key=compact-retention:environment,Value=$env" >/dev/null 2>"$work/change-set.err"; then
    change_reason="$(head -c 2000 "$work/change-set.err")"
    return 1
  fi
  aws_side "$profile" "$region" cloudformation wait change-set-create-complete --stack-name "$name" \
    --change-set-name "$change_set" 2>/dev/null && return 0
  change_reason="$(aws_side "$profile" "$region" cloudformation describe-change-set --stack-name "$name" \
    --change-set-name "$change_set" --query StatusReason --output text 2>/dev/null)"
  case "$change_reason" in *"didn't contain changes"*|*"No updates"*) return $NO_CHANGES ;; esac
  return 1
}

wait_for_stack() {  # KEY NAME PROFILE REGION: 0 when the executed change set completed (its outputs saved
  # from the same describe-stacks call, one AWS CLI start fewer per stack), 1 when it failed
  local key="$1" status waited=0
  shift
  while :; do
    if aws_side "$2" "$3" cloudformation describe-stacks --stack-name "$1" \
         --query 'Stacks[0].{status:StackStatus,outputs:Outputs}' --output json >"$work/describe.json" 2>/dev/null; then
      status="$("$RETENTION_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$work/describe.json")"
    else
      status=NONE
    fi
    case "$status" in
      CREATE_COMPLETE|UPDATE_COMPLETE|IMPORT_COMPLETE)
        "$RETENTION_PY" -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["outputs"], open(sys.argv[2], "w"))' \
          "$work/describe.json" "$work/outputs/$key.json"
        return 0 ;;
      *_IN_PROGRESS) ;;
      *) say "    $1: $status"; return 1 ;;
    esac
    [ $waited -ge 3600 ] && { say "    $1: still $status after an hour"; return 1; }
    sleep 5
    waited=$((waited + 5))
  done
}

params_file() {  # KEY [--allow-pending] -> the stack's parameters as a JSON file for CloudFormation
  retention params --env "$env" "${config_dir[@]}" --stack "$1" --outputs-dir "$work/outputs" "${@:2}" \
    --format json >"$work/$1.params.json" && echo "$work/$1.params.json"
}

dry_run_stack() {  # KEY NAME PROFILE REGION TEMPLATE
  local key="$1" name="$2" profile="$3" region="$4" template="$5" params rc
  template="$(checked_template "$key" "$profile" "$region" "$template")"
  rc=$?
  if [ $rc -eq $NO_BUCKET ]; then
    say "    no change set: deploy the artifacts stack first (the dry run uploads code, it creates no stack)"
    skipped=$((skipped + 1))
    return 0
  fi
  [ $rc -eq $REFUSED ] && fail "stack $name: its template is not what the gate checked (see above; nothing was executed)"
  [ $rc -eq 0 ] || fail "stack $name: its code could not be packaged (nothing was executed)"
  params="$(params_file "$key" --allow-pending)" || exit 2
  create_change_set "$name" "$profile" "$region" "$template" "$params" compact-retention-dry-run
  rc=$?
  [ $rc -eq $NO_CHANGES ] && { say "    no changes"; return 0; }
  [ $rc -eq 0 ] || fail "change set for $name failed: $change_reason (nothing was executed)"
  say "    change set $change_set ($change_type), not executed:"
  aws_side "$profile" "$region" cloudformation describe-change-set --stack-name "$name" --change-set-name "$change_set" \
    --query 'Changes[].ResourceChange.[Action,LogicalResourceId,ResourceType,Replacement]' --output text |
    sed 's/^/      /' >&2
  grep -q '<pending:' "$params" &&
    say "    (parameters marked <pending:...> come from stacks this dry run did not deploy)"
  return 0
}

deploy_stack() {  # KEY NAME PROFILE REGION TEMPLATE: returns 0, 1 (failed), 2 (parameters) or REFUSED
  local key="$1" name="$2" profile="$3" region="$4" template="$5" params rc
  params="$(params_file "$key")" || return 2
  template="$(checked_template "$key" "$profile" "$region" "$template")" || return $?
  create_change_set "$name" "$profile" "$region" "$template" "$params" compact-retention-deploy
  rc=$?
  if [ $rc -eq $NO_CHANGES ]; then
    say "    no changes"
  elif [ $rc -ne 0 ]; then
    say "    change set for $name failed: $change_reason"
    return 1
  elif ! aws_side "$profile" "$region" cloudformation execute-change-set --stack-name "$name" \
         --change-set-name "$change_set" >/dev/null 2>"$work/execute.err" || ! wait_for_stack "$key" "$name" "$profile" "$region"; then
    sed 's/^/    /' "$work/execute.err" >&2
    print_failure_events "$name" "$profile" "$region"
    return 1
  fi
  [ $rc -eq $NO_CHANGES ] && save_outputs "$key" "$name" "$profile" "$region"
  return 0
}

total=${#selected[@]}
checked=""
index=0 deployed=() skipped=0
for at in "${selected[@]}"; do
  index=$((index + 1))
  stack_at "$at"
  case " $checked " in *" $side "*) ;; *) check_credentials "$side" "$account" "$profile" "$region"; checked="$checked $side" ;; esac
  # Outputs of the stacks this one depends on, as deployed now (never stale state from an earlier run).
  for ((i = 0; i < at; i++)); do
    stack_at "$i"
    [ -f "$work/outputs/$key.json" ] || save_outputs "$key" "$name" "$profile" "$region"
  done
  stack_at "$at"
  if [ $dry_run -eq 1 ]; then
    step "[$index/$total] $name ($side account $account, $region): dry run"
    dry_run_stack "$key" "$name" "$profile" "$region" "$template"
    save_outputs "$key" "$name" "$profile" "$region"
  else
    step "[$index/$total] $name ($side account $account, $region): deploying"
    deploy_stack "$key" "$name" "$profile" "$region" "$template"
    rc=$?
    if [ $rc -ne 0 ]; then
      say "deployed in this run: ${deployed[*]:-none}"
      say "not deployed: $name and every stack after it; nothing was deleted or rolled back by this script"
      [ $rc -eq 2 ] && die "stack $name: its parameters could not be built (see above)"
      [ $rc -eq $REFUSED ] && fail "stack $name: its template is not what the gate checked (see above)"
      fail "stack $name did not deploy (see its events above)"
    fi
    deployed+=("$name")
  fi
done

if [ $dry_run -eq 1 ]; then
  step "dry run complete: $((total - skipped)) change set(s) created, $skipped skipped, none executed"
else
  step "deployed $total stack(s) of $env"
fi

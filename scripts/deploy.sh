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
# is deployed. Parameters come from the configuration through 'retention params'; nothing is typed twice.
# A failed stack prints its failing events and stops the run (exit 1), naming what was and was not
# deployed. This script never deletes a stack, a change set that ran, or a retained resource.
set -uo pipefail
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
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required (one of the files in config/)"
bootstrap
cd "$RETENTION_ROOT" || exit 2

retention config validate --env "$env" "${config_dir[@]}" >/dev/null || exit 2
"$RETENTION_ROOT/scripts/gate.sh" --env "$env" "${config_dir[@]}" || exit $?

stacks_tsv="$(retention stacks --env "$env" "${config_dir[@]}" "${with_sample[@]}")" || exit 2
if [ -n "$only_stack" ]; then
  selected="$(awk -F'\t' -v s="$only_stack" '$1==s || $2==s' <<<"$stacks_tsv")"
  [ -n "$selected" ] || die "--stack $only_stack: not a stack of $env (known: $(cut -f1 <<<"$stacks_tsv" | paste -sd' '))"
else
  selected="$stacks_tsv"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/outputs"

# aws_side PROFILE REGION ARGS...: the AWS CLI for one account and region.
aws_side() {
  local profile="$1" region="$2"; shift 2
  local args=(--region "$region" "${endpoint[@]}")
  [ "$profile" != "-" ] && args+=(--profile "$profile")
  aws "${args[@]}" "$@"
}

check_credentials() {  # SIDE ACCOUNT PROFILE REGION
  local side="$1" account="$2" profile="$3" region="$4" actual
  if ! actual="$(aws_side "$profile" "$region" sts get-caller-identity --query Account --output text 2>"$work/sts.err")"; then
    local hint="export AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    [ "$profile" != "-" ] && hint="check the AWS CLI profile '$profile' (profiles.$side in config/$env.json)"
    [ "$profile" = "-" ] && hint="set profiles.$side in config/$env.json or $hint"
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
# repository (python -m exporter.build) and 'aws cloudformation package' uploads it to the artifacts
# bucket (stack 'artifacts', deployed earlier in the same order) and writes a template naming the upload.
has_local_code() { grep -Eq '^ +Code: +[^{ ]' "$1"; }  # the rule of audit.deployment.has_local_code

package_template() {  # KEY PROFILE REGION TEMPLATE -> prints the template to deploy
  local key="$1" profile="$2" region="$3" template="$4" bucket
  has_local_code "$template" || { echo "$template"; return 0; }
  bucket="$(output_value artifacts ArtifactsBucketName)"
  if [ -z "$bucket" ]; then
    say "    $key has Lambda code to upload, but the artifacts bucket (stack 'artifacts') is not deployed"
    return 3
  fi
  "$RETENTION_PY" -m exporter.build "$RETENTION_ROOT/.build/cognito-exporter" 2>/dev/null ||
    { say "    could not build the Lambda code of $key"; return 1; }
  # 'package' uploads with its own S3 client, which ignores --endpoint-url: AWS_ENDPOINT_URL reaches it
  [ ${#endpoint[@]} -gt 0 ] && export AWS_ENDPOINT_URL="${endpoint[1]}"
  aws_side "$profile" "$region" cloudformation package --template-file "$template" --s3-bucket "$bucket" \
    --s3-prefix "$env/$key" --output-template-file "$work/$key.packaged.yaml" >"$work/package.out" 2>&1 ||
    { sed 's/^/    /' "$work/package.out" >&2; say "    could not upload the Lambda code of $key to s3://$bucket"; return 1; }
  say "    code of $key uploaded to s3://$bucket/$env/$key/"
  echo "$work/$key.packaged.yaml"
}

dry_run_stack() {  # KEY NAME PROFILE REGION TEMPLATE
  local key="$1" name="$2" profile="$3" region="$4" template="$5" status type change_set packaged rc
  packaged="$(package_template "$key" "$profile" "$region" "$template")"
  rc=$?
  if [ $rc -eq 3 ]; then
    say "    no change set: deploy the artifacts stack first (the dry run uploads code, it creates no stack)"
    skipped=$((skipped + 1))
    return 0
  fi
  [ $rc -eq 0 ] || fail "stack $name: its code could not be packaged (nothing was executed)"
  template="$packaged"
  status="$(stack_status "$name" "$profile" "$region")"
  case "$status" in NONE|REVIEW_IN_PROGRESS) type=CREATE ;; *) type=UPDATE ;; esac
  retention params --env "$env" "${config_dir[@]}" --stack "$key" --outputs-dir "$work/outputs" \
    --allow-pending --format json >"$work/$key.params.json" || exit 2
  change_set="compact-retention-dry-run-$(date -u +%Y%m%d%H%M%S)"
  aws_side "$profile" "$region" cloudformation create-change-set --stack-name "$name" \
    --change-set-name "$change_set" --change-set-type "$type" --template-body "file://$template" \
    --parameters "file://$work/$key.params.json" --capabilities CAPABILITY_NAMED_IAM >/dev/null ||
    fail "could not create a change set for $name (nothing was executed)"
  if ! aws_side "$profile" "$region" cloudformation wait change-set-create-complete --stack-name "$name" \
       --change-set-name "$change_set" 2>/dev/null; then
    local reason
    reason="$(aws_side "$profile" "$region" cloudformation describe-change-set --stack-name "$name" \
      --change-set-name "$change_set" --query StatusReason --output text 2>/dev/null)"
    case "$reason" in
      *"didn't contain changes"*|*"No updates"*) say "    no changes"; return 0 ;;
      *) fail "change set for $name failed: $reason (nothing was executed)" ;;
    esac
  fi
  say "    change set $change_set ($type), not executed:"
  aws_side "$profile" "$region" cloudformation describe-change-set --stack-name "$name" --change-set-name "$change_set" \
    --query 'Changes[].ResourceChange.[Action,LogicalResourceId,ResourceType,Replacement]' --output text |
    sed 's/^/      /' >&2
  grep -q '<pending:' "$work/$key.params.json" &&
    say "    (parameters marked <pending:...> come from stacks this dry run did not deploy)"
  return 0
}

deploy_stack() {  # KEY NAME PROFILE REGION TEMPLATE
  local key="$1" name="$2" profile="$3" region="$4" template="$5" overrides=()
  retention params --env "$env" "${config_dir[@]}" --stack "$key" --outputs-dir "$work/outputs" \
    >"$work/$key.params" || return 2
  template="$(package_template "$key" "$profile" "$region" "$template")" || return 1
  mapfile -t overrides <"$work/$key.params"
  if ! aws_side "$profile" "$region" cloudformation deploy --stack-name "$name" --template-file "$template" \
       --parameter-overrides "${overrides[@]}" --capabilities CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset \
       --tags "compact-retention:environment=$env" >"$work/deploy.out" 2>&1; then
    sed 's/^/    /' "$work/deploy.out" >&2
    print_failure_events "$name" "$profile" "$region"
    return 1
  fi
  save_outputs "$key" "$name" "$profile" "$region"
}

total="$(grep -c . <<<"$selected")"
checked=""
index=0 deployed=() skipped=0
while IFS=$'\t' read -r key name side account region profile template; do
  index=$((index + 1))
  case " $checked " in *" $side "*) ;; *) check_credentials "$side" "$account" "$profile" "$region"; checked="$checked $side" ;; esac
  # Outputs of the stacks this one depends on, as deployed now (never stale state from an earlier run).
  while IFS=$'\t' read -r k n _ _ r p _; do
    [ "$k" = "$key" ] && break
    [ -f "$work/outputs/$k.json" ] || save_outputs "$k" "$n" "$p" "$r"
  done <<<"$stacks_tsv"
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
      fail "stack $name did not deploy (see its events above)"
    fi
    deployed+=("$name")
  fi
done <<<"$selected"

if [ $dry_run -eq 1 ]; then
  step "dry run complete: $((total - skipped)) change set(s) created, $skipped skipped, none executed"
else
  step "deployed $total stack(s) of $env"
fi

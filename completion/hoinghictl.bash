# bash completion for hoinghictl(1)
#
# The verbs, subverbs and options are a static copy of the verb table in
# cli/main.c (keep them in step); meeting and site IDs are asked from the
# running daemon with `hoinghictl --json meetings` / `sites`, read with jq
# when it is installed, else with python3.

_hoinghictl_verbs="status reload sites site token meetings meeting floor mute unmute layout sdp
  endpoint request-floor schedule calendar events links watch health help"
_hoinghictl_meeting_subverbs="start run stop show add remove"
_hoinghictl_global_options="--socket -s --host -H --token-file --insecure --json -j --version --help"

# _hoinghictl_ids KIND [ARGS...]: the "id" of each element of the daemon's
# KIND list (meetings or sites), nothing when the daemon does not answer
_hoinghictl_ids() {
  local kind=$1 json
  shift
  json=$(hoinghictl "$@" --json "$kind" 2>/dev/null) || return 0
  if command -v jq >/dev/null 2>&1; then
    printf '%s' "$json" | jq -r --arg k "$kind" '.[$k][]?.id // empty' 2>/dev/null
  elif command -v python3 >/dev/null 2>&1; then
    printf '%s' "$json" | python3 -c '
import json, sys
for item in json.load(sys.stdin).get(sys.argv[1], []):
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        print(item["id"])' "$kind" 2>/dev/null
  fi
}

# the options of a verb ("meeting start" for a subverb)
_hoinghictl_verb_options() {
  local start="--sites --title --source --layout --monitor"
  case $1 in
    sites) echo "--tier --district" ;;
    "meeting start" | "meeting run") echo "$start" ;;
    floor) echo "--none --requests" ;;
    request-floor) echo "--cancel" ;;
    schedule | calendar) echo "--count -n" ;;
    links) echo "--meeting --state" ;;
    watch) echo "--meeting --interval" ;;
    health) echo "--warn-down --crit-down --warn-mos --crit-mos --meeting" ;;
  esac
}

_hoinghictl() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi

  # the connection options go along to the daemon lookups
  local -a conn=()
  local verb="" sub="" i w
  local -a operands=()
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --socket | -s | --host | -H | --token-file)
        conn+=("$w" "${words[i + 1]}")
        i=$((i + 1))
        continue
        ;;
      --insecure) conn+=("$w"); continue ;;
      --tier | --district | --sites | --title | --source | --layout | --monitor | --count | -n | \
        --meeting | --state | --interval | --warn-down | --crit-down | --warn-mos | --crit-mos)
        i=$((i + 1))
        continue
        ;;
      -*) continue ;;
    esac
    if [ -z "$verb" ]; then
      verb=$w
    elif [ "$verb" = meeting ] && [ -z "$sub" ]; then
      sub=$w
    else
      operands+=("$w")
    fi
  done

  # values of options
  case $prev in
    --socket | -s | --token-file)
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    --tier)
      COMPREPLY=($(compgen -W "hub department district commune" -- "$cur"))
      return
      ;;
    --layout)
      COMPREPLY=($(compgen -W "single pip grid" -- "$cur"))
      return
      ;;
    --source)
      COMPREPLY=($(compgen -W "test camera" -- "$cur"))
      return
      ;;
    --state)
      COMPREPLY=($(compgen -W "offline standby connecting up degraded down" -- "$cur"))
      return
      ;;
    --meeting)
      COMPREPLY=($(compgen -W "$(_hoinghictl_ids meetings "${conn[@]}")" -- "$cur"))
      return
      ;;
    --district)
      COMPREPLY=($(compgen -W "$(_hoinghictl_ids sites "${conn[@]}" --tier district)" -- "$cur"))
      return
      ;;
    --host | -H | --title | --sites | --monitor | --count | -n | --interval | --warn-down | \
      --crit-down | --warn-mos | --crit-mos)
      return
      ;;
  esac

  local name=$verb
  [ -n "$sub" ] && name="$verb $sub"
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$_hoinghictl_global_options $(_hoinghictl_verb_options "$name")" -- "$cur"))
    return
  fi
  if [ -z "$verb" ]; then
    COMPREPLY=($(compgen -W "$_hoinghictl_verbs" -- "$cur"))
    return
  fi
  if [ "$verb" = meeting ] && [ -z "$sub" ]; then
    COMPREPLY=($(compgen -W "$_hoinghictl_meeting_subverbs" -- "$cur"))
    return
  fi

  # operands: which position takes a meeting ID, a site ID or a word
  local n=${#operands[@]} want=""
  case "$name:$n" in
    "meeting stop:0" | "meeting show:0" | "meeting add:0" | "meeting remove:0" | floor:0 | mute:0 | \
      unmute:0 | layout:0 | sdp:0)
      want=meetings
      ;;
    "meeting add:1" | "meeting remove:1" | floor:1 | mute:1 | unmute:1 | token:0)
      want=sites
      ;;
    site:0)
      COMPREPLY=($(compgen -W "rotate-secret $(_hoinghictl_ids sites "${conn[@]}")" -- "$cur"))
      return
      ;;
    site:1)
      [ "${operands[0]}" = rotate-secret ] && want=sites
      ;;
    layout:1)
      COMPREPLY=($(compgen -W "single pip grid" -- "$cur"))
      return
      ;;
    schedule:0)
      COMPREPLY=($(compgen -W "next" -- "$cur"))
      return
      ;;
  esac
  [ -n "$want" ] && COMPREPLY=($(compgen -W "$(_hoinghictl_ids "$want" "${conn[@]}")" -- "$cur"))
  return 0
}

complete -F _hoinghictl hoinghictl

# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for posturectl(1).                      -*- shell-script -*-
# Installed as .../bash-completion/completions/posturectl.
#
# The lists first: a new command or option is added here (and in the zsh
# and fish completions beside this file).

_posturectl_commands='status show monitor calibrate snooze record analyze
        injury recovered pain symptoms ack history summary export forget report'
_posturectl_global_options='-h --help --version --system --session'
# Options per command; those that take an argument end with '='.
declare -A _posturectl_options=(
        [status]='--json -p= --property= --value'
        [show]='--json -p= --property= --value'
        [monitor]='--json --format= --exit-with-daemon'
        [analyze]='--phase= --mount-matrix= --neutral= --config= --catalogue= --samples='
        [injury]='--onset='
        [pain]='--context='
        [record]='--duration='
        [history]='--since= --until= --bucket= --json'
        [summary]='--today --week --since= --json'
        [export]='--format= --what= --since= --until='
        [forget]='--before= --all --yes'
        [report]='--day= --week= --from= --config= --mount-matrix= -o= --output='
        [calibrate]='--reset'
)
_posturectl_properties='Posture Flexion LateralBend Activity StrainLevel Calibrated
        CalibratedAt StillSince SnoozedUntil LastEvent SensorState Sensor SampleRate
        FilterKernel Version Phase InjuryOnset LastPain ActiveAlerts'
# Kebab-case, and the snake_case spellings that are still accepted.
_posturectl_symptoms='loss-of-bladder-control loss-of-bowel-control leg-weakness
        arm-weakness radiating-pain-leg radiating-pain-arm unexplained-weight-loss fever
        loss_of_bladder_control loss_of_bowel_control leg_weakness arm_weakness
        radiating_pain_leg radiating_pain_arm unexplained_weight_loss'
_posturectl_event_kinds='sustained-flexion extreme-flexion unsupported-extension
        lateral-bend sudden-movement repetitive-bending static-posture slouch prolonged-rest
        sustained_flexion extreme_flexion unsupported_extension lateral_bend
        sudden_movement repetitive_bending static_posture prolonged_rest'
_posturectl_formats='text json waybar i3bar i3blocks'
_posturectl_phases='none acute recovering'
_posturectl_alerts='red-flag'

# The values an option takes: words, or files (_posturectl_files EXT).
_posturectl_option_values() { # OPTION CUR
        case $1 in
        -p | --property) compgen -W "$_posturectl_properties" -- "$2" ;;
        --format) compgen -W "$_posturectl_formats" -- "$2" ;;
        --phase) compgen -W "$_posturectl_phases" -- "$2" ;;
        --what) compgen -W "minutes events" -- "$2" ;;
        --kind) compgen -W "$_posturectl_event_kinds" -- "$2" ;;
        --onset) compgen -W "now -30m -2h -1d" -- "$2" ;;
        --duration) compgen -W "30 60 5m 30m 1h" -- "$2" ;;
        --config | --catalogue) compgen -f -X '!*.conf' -- "$2"; compgen -d -- "$2" ;;
        *) compgen -f -- "$2" ;;
        esac
}

_posturectl() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        local cmd='' i w opts
        COMPREPLY=()

        # The command: the first word that is neither an option nor its argument.
        for ((i = 1; i < COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                case $w in
                -p | --property | --format | --what | --phase | --onset | --context | --duration | \
                        --mount-matrix | --neutral | --config | --catalogue | --kind)
                        ((i++)) ;;
                -*) ;;
                *) cmd=$w; break ;;
                esac
        done

        # An option's argument; bash splits --opt=VALUE at the '='.
        if [ "$prev" = = ] && ((COMP_CWORD >= 2)); then
                COMPREPLY=($(_posturectl_option_values "${COMP_WORDS[COMP_CWORD - 2]}" "$cur"))
                return 0
        fi
        case $prev in
        -p | --property | --format | --what | --phase | --onset | --duration | --config | --catalogue | --kind)
                COMPREPLY=($(_posturectl_option_values "$prev" "$cur"))
                return 0 ;;
        --context | --mount-matrix | --neutral)
                return 0 ;;
        esac
        if [[ $cur == --*=* ]]; then
                COMPREPLY=($(_posturectl_option_values "${cur%%=*}" "${cur#*=}"))
                return 0
        fi

        if [[ $cur == -* ]]; then
                if [ -n "$cmd" ]; then
                        opts=${_posturectl_options[$cmd]-}
                else
                        # Before the command: every option of every command.
                        opts="${_posturectl_options[*]}"
                fi
                opts=${opts//=/}
                COMPREPLY=($(compgen -W "$_posturectl_global_options $opts" -- "$cur"))
                return 0
        fi

        case $cmd in
        '') COMPREPLY=($(compgen -W "$_posturectl_commands" -- "$cur")) ;;
        symptoms) COMPREPLY=($(compgen -W "$_posturectl_symptoms" -- "$cur")) ;;
        ack) COMPREPLY=($(compgen -W "$_posturectl_alerts" -- "$cur")) ;;
        snooze) COMPREPLY=($(compgen -W "0 15m 30m 1h 2h 4h" -- "$cur")) ;;
        pain) COMPREPLY=($(compgen -W "0 1 2 3 4 5 6 7 8 9 10" -- "$cur")) ;;
        analyze) COMPREPLY=($(compgen -f -X '!*.csv' -- "$cur") $(compgen -d -- "$cur")) ;;
        record) COMPREPLY=($(compgen -f -- "$cur")) ;;
        *) ;;
        esac
        return 0
}
complete -F _posturectl posturectl

# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for posturectl(1). Installed as
# .../fish/vendor_completions.d/posturectl.fish.
#
# The lists first: a new command or option is added here (and in the bash
# and zsh completions beside this file).

set -l commands status show monitor calibrate snooze record analyze injury recovered pain symptoms ack history summary export forget report
set -l properties Posture Flexion LateralBend Activity StrainLevel Calibrated CalibratedAt \
    StillSince SnoozedUntil LastEvent SensorState Sensor SampleRate FilterKernel Version \
    Phase InjuryOnset LastPain ActiveAlerts
# Kebab-case, and the snake_case spellings that are still accepted.
set -l symptoms loss-of-bladder-control loss-of-bowel-control leg-weakness arm-weakness \
    radiating-pain-leg radiating-pain-arm unexplained-weight-loss fever \
    loss_of_bladder_control loss_of_bowel_control leg_weakness arm_weakness \
    radiating_pain_leg radiating_pain_arm unexplained_weight_loss
set -l event_kinds sustained-flexion extreme-flexion unsupported-extension lateral-bend \
    sudden-movement repetitive-bending static-posture slouch prolonged-rest sustained_flexion extreme_flexion \
    unsupported_extension lateral_bend sudden_movement repetitive_bending static_posture prolonged_rest
set -l formats text json waybar i3bar i3blocks
set -l phases none acute recovering

complete -c posturectl -f
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a status -d 'Show the current posture, sensor and recovery state'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a show -d 'Show the properties as NAME=VALUE'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a monitor -d 'Follow posture changes, strain events and advice'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a calibrate -d 'Take the current posture as neutral'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a snooze -d 'Silence advice for a while'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a record -d 'Record the raw samples to a file'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a analyze -d 'Run the detectors on a recording'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a injury -d 'Report an acute back injury'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a recovered -d 'Report that the wearer has recovered'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a pain -d 'Report pain from 0 to 10'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a symptoms -d 'Report red-flag symptoms'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a ack -d 'Acknowledge an active alert'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a history -d 'The history in buckets'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a summary -d 'The history summed up'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a export -d 'Every minute kept, as CSV or JSON'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a forget -d 'Delete the history'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands" -a report -d 'Draw a day, a week or a recording'

# Options of every command, and those of one (before or after the command).
complete -c posturectl -s h -l help -d 'Show the help'
complete -c posturectl -l version -d 'Show the version'
complete -c posturectl -l system -d 'Talk to postured on the system bus'
complete -c posturectl -l session -d 'Talk to postured on the session bus'
complete -c posturectl -n "not __fish_seen_subcommand_from analyze calibrate snooze record injury recovered pain symptoms ack" -l json -d 'Print JSON'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from status show" -s p -l property -x -a "$properties" -d 'Only this property'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from status show" -l value -d 'Print only the values'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from monitor" -l format -x -a "$formats" -d 'Output format'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from monitor" -l exit-with-daemon -d 'Exit when postured leaves the bus'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from analyze" -l phase -x -a "$phases" -d 'Recovery phase'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from analyze report" -l mount-matrix -x -d 'Sensor axes to body axes'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from analyze" -l neutral -x -d 'Neutral gravity X,Y,Z'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from analyze report" -l config -r -F -d 'Settings file'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from analyze" -l catalogue -r -F -d 'Advice catalogue'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from analyze" -l samples -x -d 'A sample line every SECONDS'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from injury" -l onset -x -a 'now -30m -2h -1d' -d 'When it began'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from pain" -l context -x -d 'What the wearer was doing'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from record" -l duration -x -a '30 60 5m 30m 1h' -d 'Stop after this long'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from export" -l what -x -a 'minutes events' -d 'Only the minutes or the events'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from history summary export" -l since -x -a 'today yesterday -1d -7d' -d 'From this time'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from history export" -l until -x -a 'now today' -d 'Up to this time'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from history" -l bucket -x -a '1h 1d 15m' -d 'Bucket length'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from summary" -l today -d 'Since midnight'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from summary report" -l week -d 'A week'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from forget" -l before -x -a '-30d -365d' -d 'Delete what is older'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from forget" -l all -d 'Delete all of the history'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from forget" -l yes -d 'Do not ask'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from report" -l day -x -a 'today yesterday' -d 'The day to draw'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from report" -l from -r -F -d 'A recording to draw'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from report" -s o -l output -r -F -d 'The picture'
complete -c posturectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from calibrate" -l reset -d 'Forget the neutral posture'
# $event_kinds: for the event filters of the history commands, when they come.

# Operands.
complete -c posturectl -n '__fish_seen_subcommand_from symptoms' -a "$symptoms"
complete -c posturectl -n '__fish_seen_subcommand_from ack' -a red-flag
complete -c posturectl -n '__fish_seen_subcommand_from snooze' -a '0 15m 30m 1h 2h 4h'
complete -c posturectl -n '__fish_seen_subcommand_from pain' -a '0 1 2 3 4 5 6 7 8 9 10'
complete -c posturectl -n '__fish_seen_subcommand_from analyze record' -F

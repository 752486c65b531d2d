function __vmswitch_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmswitch_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vmswitch_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmswitch_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vmswitch_parse_tokens -S
    set -l unparsed_tokens (__vmswitch_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vmswitch'
        __vmswitch_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'new'
            __vmswitch_parse_subcommand 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'switch-type=' 'net-adapter-name=' 'host-adapter=' 'notes=' 'h/help'
        case 'get'
            __vmswitch_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'switch-type=+' 'h/help'
        case 'set'
            __vmswitch_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'switch-type=' 'notes=' 'h/help'
        case 'remove'
            __vmswitch_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'force' 'h/help'
        case 'help'
            __vmswitch_parse_subcommand -r 1 
        end
    end
end

function __vmswitch_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vmswitch_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __vmswitch_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vmswitch_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vmswitch_tokens -p)
    if test -z "$(__vmswitch_tokens -t)"
        set -l index (count (__vmswitch_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vmswitch' -f
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch" -eq 1' -fa 'new' -d 'Create a switch (New-VMSwitch).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch" -eq 1' -fa 'get' -d 'List switches (Get-VMSwitch).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch" -eq 1' -fa 'set' -d 'Change switches (Set-VMSwitch).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch" -eq 1' -fa 'remove' -d 'Remove switches (Remove-VMSwitch).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmswitch_complete_directories)'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmswitch_custom_completion ---completion new -- --host (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" switch-type type' -l 'switch-type' -l 'type' -d 'internal, private or external (external binds the TAP interface --net-adapter-name, as root).' -rfka 'private internal external'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" net-adapter-name' -l 'net-adapter-name' -d 'The TAP interface an External switch binds (as root; makes the switch External).' -rfka ''
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" host-adapter' -l 'host-adapter' -d 'How an internal switch\'s host adapter is made: user (libslirp, the default) or tap (a Linux TAP interface nvtapN, as root).' -rfka 'user tap'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" notes' -l 'notes' -d 'Free-form notes.' -rfka ''
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch new" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmswitch_complete_directories)'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmswitch_custom_completion ---completion get -- --host (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch get" -ge 1' -fka '(__vmswitch_custom_completion ---completion get -- positional@0 (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get"' -l 'switch-type' -l 'type' -d 'Only switches of this type (repeatable).' -rfka 'private internal external'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmswitch_complete_directories)'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmswitch_custom_completion ---completion set -- --host (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch set" -ge 1' -fka '(__vmswitch_custom_completion ---completion set -- positional@0 (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" switch-type type' -l 'switch-type' -l 'type' -d 'internal or private.' -rfka 'private internal external'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" notes' -l 'notes' -d 'Free-form notes.' -rfka ''
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmswitch_complete_directories)'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmswitch_custom_completion ---completion remove -- --host (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_positional "vmswitch remove" -ge 1' -fka '(__vmswitch_custom_completion ---completion remove -- positional@0 (count (__vmswitch_tokens -pc)) (__vmswitch_tokens -tC))'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" force' -l 'force' -d 'Disconnect connected adapters and remove the switch anyway.'
complete -c 'vmswitch' -n '__vmswitch_should_offer_completions_for_flags_or_options "vmswitch remove" h help' -s 'h' -l 'help' -d 'Show help information.'

function __vmproc_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmproc_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vmproc_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmproc_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vmproc_parse_tokens -S
    set -l unparsed_tokens (__vmproc_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vmproc'
        __vmproc_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'get'
            __vmproc_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'vm-name=+' 'h/help'
        case 'set'
            __vmproc_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'count=' 'expose-virtualization-extensions=' 'maximum=' 'reserve=' 'relative-weight=' 'compatibility-for-migration-enabled=' 'hw-thread-count-per-core=' 'h/help'
        case 'check'
            __vmproc_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'vm-name=+' 'h/help'
        case 'enable-nested'
            __vmproc_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'y/yes' 'dry-run' 'h/help'
        case 'help'
            __vmproc_parse_subcommand -r 1 
        end
    end
end

function __vmproc_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vmproc_parse_subcommand -S -a positional_count
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

function __vmproc_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vmproc_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vmproc_tokens -p)
    if test -z "$(__vmproc_tokens -t)"
        set -l index (count (__vmproc_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vmproc' -f
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc" -eq 1' -fa 'get' -d 'Show VMs\' processors (Get-VMProcessor): all, those named, or those piped in.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc" -eq 1' -fa 'set' -d 'Change VMs\' processors (Set-VMProcessor).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc" -eq 1' -fa 'check' -d 'List what stops VMs from hosting nested VMs, one NestedFinding record per problem.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc" -eq 1' -fa 'enable-nested' -d 'Make VMs ready to host nested VMs: fix what `vmproc check` finds.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmproc_complete_directories)'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmproc_custom_completion ---completion get -- --host (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc get" -ge 1' -fka '(__vmproc_custom_completion ---completion get -- positional@0 (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmproc_custom_completion ---completion get -- --vm-name (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmproc_complete_directories)'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmproc_custom_completion ---completion set -- --host (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc set" -ge 1' -fka '(__vmproc_custom_completion ---completion set -- positional@0 (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmproc_custom_completion ---completion set -- --vm-name (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" count processor-count' -l 'count' -l 'processor-count' -d 'Virtual processors.' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" expose-virtualization-extensions nested' -l 'expose-virtualization-extensions' -l 'nested' -d 'Let a hypervisor run inside the VM (nested virtualization).' -rfka 'true false'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" maximum' -l 'maximum' -d 'Limit, percent of a processor (0-100).' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" reserve' -l 'reserve' -d 'Reserve, percent of a processor (0-100).' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" relative-weight' -l 'relative-weight' -d 'Share against other VMs (1-10000).' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" compatibility-for-migration-enabled' -l 'compatibility-for-migration-enabled' -d 'Limit processor features for migration.' -rfka 'true false'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" hw-thread-count-per-core' -l 'hw-thread-count-per-core' -d 'Hardware threads per core (0 = the host\'s).' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmproc_complete_directories)'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmproc_custom_completion ---completion check -- --host (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc check" -ge 1' -fka '(__vmproc_custom_completion ---completion check -- positional@0 (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmproc_custom_completion ---completion check -- --vm-name (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmproc_complete_directories)'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmproc_custom_completion ---completion enable-nested -- --host (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_positional "vmproc enable-nested" -ge 1' -fka '(__vmproc_custom_completion ---completion enable-nested -- positional@0 (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmproc_custom_completion ---completion enable-nested -- --vm-name (count (__vmproc_tokens -pc)) (__vmproc_tokens -tC))'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" y yes' -l 'yes' -s 'y' -d 'Make the changes without asking.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" dry-run what-if' -l 'dry-run' -l 'what-if' -d 'Print the planned changes as records; change nothing.'
complete -c 'vmproc' -n '__vmproc_should_offer_completions_for_flags_or_options "vmproc enable-nested" h help' -s 'h' -l 'help' -d 'Show help information.'

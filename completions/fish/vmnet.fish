function __vmnet_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmnet_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vmnet_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmnet_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vmnet_parse_tokens -S
    set -l unparsed_tokens (__vmnet_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vmnet'
        __vmnet_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'get'
            __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'vm-name=+' 'adapter-name=' 'switch-name=' 'h/help'
        case 'add'
            __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'adapter-name=' 'switch-name=' 'static-mac-address=' 'h/help'
        case 'set'
            __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'adapter-name=' 'mac-address-spoofing=' 'dhcp-guard=' 'router-guard=' 'static-mac-address=' 'dynamic-mac-address' 'h/help'
        case 'remove'
            __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'adapter-name=' 'h/help'
        case 'connect'
            __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'adapter-name=' 'switch-name=' 'h/help'
        case 'disconnect'
            __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'adapter-name=' 'h/help'
        case 'adapter'
            __vmnet_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'get'
                __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'h/help'
            end
        case 'ip'
            __vmnet_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __vmnet_parse_subcommand 0 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'ip-address=' 'prefix-length=' 'interface-alias=' 'interface-index=' 'default-gateway=' 'address-family=' 'h/help'
            case 'get'
                __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'interface-alias=' 'h/help'
            case 'remove'
                __vmnet_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'ip-address=+' 'h/help'
            end
        case 'help'
            __vmnet_parse_subcommand -r 1 
        end
    end
end

function __vmnet_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vmnet_parse_subcommand -S -a positional_count
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

function __vmnet_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vmnet_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vmnet_tokens -p)
    if test -z "$(__vmnet_tokens -t)"
        set -l index (count (__vmnet_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vmnet' -f
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'get' -d 'List VMs\' network adapters (Get-VMNetworkAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'add' -d 'Add a network adapter to VMs (Add-VMNetworkAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'set' -d 'Change VMs\' network adapters (Set-VMNetworkAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'remove' -d 'Remove VMs\' network adapters (Remove-VMNetworkAdapter); a generation 1 VM must be Off.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'connect' -d 'Connect VMs\' network adapters to a switch (Connect-VMNetworkAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'disconnect' -d 'Disconnect VMs\' network adapters from their switch (Disconnect-VMNetworkAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'adapter' -d 'The host\'s own network adapters (Get-NetAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'ip' -d 'IPv4 addresses of the host\'s adapters (New/Get/Remove-NetIPAddress).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion get -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet get" -ge 1' -fka '(__vmnet_custom_completion ---completion get -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get"' -l 'vm-name' -d 'A VM whose adapters to list (repeatable).' -rfka '(__vmnet_custom_completion ---completion get -- --vm-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" adapter-name' -l 'adapter-name' -d 'Only adapters with this name.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" switch-name' -l 'switch-name' -d 'Only adapters connected to this switch.' -rfka '(__vmnet_custom_completion ---completion get -- --switch-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion add -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet add" -ge 1' -fka '(__vmnet_custom_completion ---completion add -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add"' -l 'vm-name' -d 'A VM to add the adapter to (repeatable).' -rfka '(__vmnet_custom_completion ---completion add -- --vm-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" adapter-name name' -l 'adapter-name' -l 'name' -d 'The new adapter\'s name.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" switch-name' -l 'switch-name' -d 'Connect it to this switch.' -rfka '(__vmnet_custom_completion ---completion add -- --switch-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" static-mac-address' -l 'static-mac-address' -d 'A fixed MAC address, e.g. 00155D0A0B0C.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion set -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet set" -ge 1' -fka '(__vmnet_custom_completion ---completion set -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set"' -l 'vm-name' -d 'A VM whose adapters to act on (repeatable; same as the positional names).' -rfka '(__vmnet_custom_completion ---completion set -- --vm-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" adapter-name' -l 'adapter-name' -d 'Only the adapters with this name (Hyper-V\'s -Name).' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" mac-address-spoofing' -l 'mac-address-spoofing' -d 'Let the VM send frames from other MAC addresses (needed for nested VMs\' networking).' -rfka 'on off'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" dhcp-guard' -l 'dhcp-guard' -d 'Drop DHCP server messages from the VM.' -rfka 'on off'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" router-guard' -l 'router-guard' -d 'Drop router advertisements and redirects from the VM.' -rfka 'on off'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" static-mac-address' -l 'static-mac-address' -d 'Give the adapter this fixed MAC address.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" dynamic-mac-address' -l 'dynamic-mac-address' -d 'Give the adapter a dynamic MAC address again.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion remove -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet remove" -ge 1' -fka '(__vmnet_custom_completion ---completion remove -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove"' -l 'vm-name' -d 'A VM whose adapters to act on (repeatable; same as the positional names).' -rfka '(__vmnet_custom_completion ---completion remove -- --vm-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" adapter-name' -l 'adapter-name' -d 'Only the adapters with this name (Hyper-V\'s -Name).' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion connect -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet connect" -ge 1' -fka '(__vmnet_custom_completion ---completion connect -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect"' -l 'vm-name' -d 'A VM whose adapters to act on (repeatable; same as the positional names).' -rfka '(__vmnet_custom_completion ---completion connect -- --vm-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" adapter-name' -l 'adapter-name' -d 'Only the adapters with this name (Hyper-V\'s -Name).' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" switch-name' -l 'switch-name' -d 'The switch.' -rfka '(__vmnet_custom_completion ---completion connect -- --switch-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet connect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion disconnect -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet disconnect" -ge 1' -fka '(__vmnet_custom_completion ---completion disconnect -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect"' -l 'vm-name' -d 'A VM whose adapters to act on (repeatable; same as the positional names).' -rfka '(__vmnet_custom_completion ---completion disconnect -- --vm-name (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" adapter-name' -l 'adapter-name' -d 'Only the adapters with this name (Hyper-V\'s -Name).' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet disconnect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet adapter" -eq 1' -fa 'get' -d 'List host adapters (Get-NetAdapter).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion adapter get -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet adapter get" -ge 1' -fka '(__vmnet_custom_completion ---completion adapter get -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet adapter get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet ip" -eq 1' -fa 'add' -d 'Give host adapters an IPv4 address (New-NetIPAddress).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet ip" -eq 1' -fa 'get' -d 'List host IPv4 addresses (Get-NetIPAddress).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet ip" -eq 1' -fa 'remove' -d 'Remove host IPv4 addresses (Remove-NetIPAddress).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion ip add -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" ip-address' -l 'ip-address' -d 'The address, e.g. 192.168.100.1.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" prefix-length' -l 'prefix-length' -d 'The subnet\'s prefix length, e.g. 24.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" interface-alias' -l 'interface-alias' -d 'The adapter\'s name (default: the adapters piped in).' -rfka '(__vmnet_custom_completion ---completion ip add -- --interface-alias (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" interface-index' -l 'interface-index' -d 'The adapter\'s ifIndex.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" default-gateway' -l 'default-gateway' -d 'A default gateway inside the subnet.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" address-family' -l 'address-family' -d 'IPv4 (the only family supported).' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion ip get -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet ip get" -ge 1' -fka '(__vmnet_custom_completion ---completion ip get -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" interface-alias' -l 'interface-alias' -d 'Only this adapter\'s addresses.' -rfka '(__vmnet_custom_completion ---completion ip get -- --interface-alias (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmnet_complete_directories)'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmnet_custom_completion ---completion ip remove -- --host (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_positional "vmnet ip remove" -ge 1' -fka '(__vmnet_custom_completion ---completion ip remove -- positional@0 (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove"' -l 'ip-address' -d 'An address to remove (repeatable).' -rfka '(__vmnet_custom_completion ---completion ip remove -- --ip-address (count (__vmnet_tokens -pc)) (__vmnet_tokens -tC))'
complete -c 'vmnet' -n '__vmnet_should_offer_completions_for_flags_or_options "vmnet ip remove" h help' -s 'h' -l 'help' -d 'Show help information.'

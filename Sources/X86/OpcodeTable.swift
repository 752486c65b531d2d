/// The opcode maps as data: one character per opcode says what follows it.
///
/// `.` nothing; `m` ModRM; `b` ModRM + imm8; `z` ModRM + imm16/32 by operand size; `B` imm8; `W` imm16;
/// `Z` imm16/32 by operand size (sign-extended to 64); `V` imm16/32/64 by operand size (MOV r, imm);
/// `E` imm16 + imm8 (ENTER); `O` a moffs address of the address size; `T` ModRM + imm only for /0 and /1
/// (TEST in group 3: imm8 at F6, imm16/32 at F7); `X` invalid in 64-bit mode; `P` a prefix; `2` the 0F escape;
/// `3` a three-byte escape (0F 38, 0F 3A).
enum OpcodeTable {
    static let oneByte: [UInt8] = Array(
        ("mmmmBZXXmmmmBZX2"  // 00
            + "mmmmBZXXmmmmBZXX"  // 10
            + "mmmmBZPXmmmmBZPX"  // 20
            + "mmmmBZPXmmmmBZPX"  // 30
            + "PPPPPPPPPPPPPPPP"  // 40 REX
            + "................"  // 50
            + "XXXmPPPPZzBb...."  // 60
            + "BBBBBBBBBBBBBBBB"  // 70
            + "bzXbmmmmmmmmmmmm"  // 80
            + "..........X....."  // 90
            + "OOOO....BZ......"  // A0
            + "BBBBBBBBVVVVVVVV"  // B0
            + "bbW.XXbzE.W..BX."  // C0
            + "mmmmXXX.mmmmmmmm"  // D0
            + "BBBBBBBBZZXB...."  // E0
            + "P.PP..TT......mm"  // F0
            ).utf8)

    static let twoByte: [UInt8] = Array(
        ("mmmmX.....X.XmXX"  // 00: 0F 0D prefetch is ModRM
            + "mmmmmmmmmmmmmmmm"  // 10
            + "mmmmXXXXmmmmmmmm"  // 20
            + "......XX3X3XXXXX"  // 30
            + "mmmmmmmmmmmmmmmm"  // 40 CMOVcc
            + "mmmmmmmmmmmmmmmm"  // 50
            + "mmmmmmmmmmmmmmmm"  // 60
            + "bbbbmmm.mmXXmmmm"  // 70
            + "ZZZZZZZZZZZZZZZZ"  // 80 Jcc rel32
            + "mmmmmmmmmmmmmmmm"  // 90 SETcc
            + "...mbmXX...mbmmm"  // A0
            + "mmmmmmmmmXbmmmmm"  // B0
            + "mmbmbbbm........"  // C0
            + "mmmmmmmmmmmmmmmm"  // D0
            + "mmmmmmmmmmmmmmmm"  // E0
            + "mmmmmmmmmmmmmmmX"  // F0
            ).utf8)
}

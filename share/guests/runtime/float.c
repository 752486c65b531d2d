/* The floating-point functions the Swift standard library calls in Embedded guests (a hash table's capacity
   scale calls ceil). Built apart from runtime.c, which keeps to general registers; SSE2 only. */
double ceil(double x) {
    /* Beyond 2^52 every double is an integer; NaN fails both comparisons and is returned as it is. */
    if (!(x < 4503599627370496.0 && x > -4503599627370496.0)) return x;
    double truncated = (double)(long long)x;
    return truncated < x ? truncated + 1.0 : truncated;
}

#pragma once
// The property checks of the fuzz targets. A violated property must stop libFuzzer just like a
// crash does, so it is reported as one (with the failed condition) and the input is saved.
// Variadic so that conditions with template commas need no extra parentheses.
#include <cstdio>

#define FUZZ_CHECK(...)                                                                \
    do {                                                                               \
        if (!(__VA_ARGS__)) {                                                          \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, \
                         #__VA_ARGS__);                                                \
            __builtin_trap();                                                          \
        }                                                                              \
    } while (false)

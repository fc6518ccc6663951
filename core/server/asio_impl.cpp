// The one translation unit that compiles Asio and Beast (BOOST_*_SEPARATE_COMPILATION is set for
// every target that links kata_rt_core): on 2 cores this saves minutes per build.
#include <boost/asio/impl/src.hpp>
// The clients' TLS (wss://): Asio's OpenSSL stream.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>

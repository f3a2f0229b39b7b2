"""Local simulator: a stand-in WeCom server for `qingjia demo` and the tests."""

/// The tool's version, shown by `--version` and stamped in every report.
public let dcmauditVersion = "0.1.0"

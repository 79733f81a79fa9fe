#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary

/// The benchmark corpus: `count` files, ≈45% CT, 45% MR, 10% US by file,
/// in patient/study/series directories, ~10% of series in implicit VR.
/// `deidentified`: every instance as the Basic Application Level
/// Confidentiality Profile leaves it (Deidentify.swift), in directories named
/// by the pseudonymous Patient IDs; the same random draws as without it, so the
/// files, modality mix, image sizes and pixels are those of the plain corpus.
func generateCorpus(count: Int, out: String, seed: UInt64, pixels: Int, deidentified: Bool = false) {
    var rng = SplitMix(seed: seed)
    var cache: [String: [UInt8]] = [:]
    var made = [0, 0, 0]            // CT, MR, US
    let share = [0.45, 0.45, 0.10]
    var total = 0
    var patientNo = 0
    let families = ["Smith", "Jones", "Garcia", "Nguyen", "Kowalski", "Okafor", "Tanaka", "Rossi", "Novak", "Silva"]
    let givens = ["Alex", "Maria", "Sam", "Lee", "Noor", "Ivan", "Chen", "Ana", "Omar", "Eva"]
    let start = clockSeconds()
    mkdirs(out)

    while total < count {
        patientNo += 1
        let pid = "CORP\(patientNo)"
        let pseudonym = Deidentifier.pseudonym(for: pid, key: seed)
        let deid = deidentified ? Deidentifier(key: seed, pseudonym: pseudonym) : nil
        let patient = Patient(name: "\(rng.pick(families))^\(rng.pick(givens))", id: pid,
                              birthDate: "19\(rng.int(30...99))0\(rng.int(1...9))1\(rng.int(0...9))", sex: rng.pick(["M", "F"]),
                              charset: rng.chance(0.5) ? "ISO_IR 100" : "")
        for studyNo in 1...rng.int(1...2) where total < count {
            let date = "2024\(two(rng.int(1...12)))\(two(rng.int(1...28)))"
            let study = Study(uid: UIDs.make(seed, patientNo, studyNo), date: date, time: "\(two(rng.int(7...19)))\(two(rng.int(0...59)))00",
                              accession: "A\(patientNo)\(studyNo)", id: "\(studyNo)", description: "Study \(studyNo)")
            for seriesNo in 1...rng.int(1...3) where total < count {
                // the modality furthest below its share
                var m = 0, worst = -Double.infinity
                for k in 0..<3 {
                    let deficit = share[k] * Double(total + 1) - Double(made[k])
                    if deficit > worst { worst = deficit; m = k }
                }
                let modality = ["CT", "MR", "US"][m]
                let vendor: Vendor = m == 2 ? .generic : rng.pick([.siemens, .ge, .philips])
                let n = min(count - total, m == 2 ? rng.int(2...8) : rng.int(10...40))
                var s = Series(uid: UIDs.make(seed, patientNo, studyNo, seriesNo), number: seriesNo, modality: modality,
                               description: m == 0 ? "Axial \(rng.pick(["1.0", "2.5", "5.0"]))" : m == 1 ? rng.pick(["t1_mprage", "t2_tse", "flair", "dwi"]) : "Survey",
                               vendor: vendor, frameOfReference: UIDs.make(seed, patientNo, studyNo, 9))
                s.rows = m == 2 ? max(16, pixels / 2) : pixels
                s.cols = s.rows
                s.pixelSpacing = Double(m == 0 ? 350 : 240) / Double(s.rows)
                s.sliceThickness = m == 0 ? 2.5 : 1
                s.repetitionTime = m == 1 ? rng.pick([2300, 5000, 9000, 8.6]) : 0
                s.bodyPart = m == 0 ? "CHEST" : m == 1 ? "HEAD" : "ABDOMEN"
                let ts: TransferSyntax = rng.chance(0.1) ? .implicitVRLittleEndian : .explicitVRLittleEndian
                let dir = "\(out)/\(deid == nil ? pid : pseudonym)/ST\(studyNo)/SE\(seriesNo)_\(modality)"
                mkdirs(dir)
                var firstSOP: String? = nil
                for i in 1...n {
                    let sop = s.uid + ".\(i)"
                    let refs = (i > 1 && i % 10 == 1) ? [(m == 0 ? UIDs.ctImage : m == 1 ? UIDs.mrImage : UIDs.usImage, firstSOP!)] : []
                    var d = makeImage(patient: patient, study: study, series: s, instance: i, sopUID: sop, references: refs, rng: &rng, privateDensity: 10)
                    // Patient Orientation is Type 2 in the US Image IOD (General
                    // Image 2C, PS3.3 C.7.6.1: no Image Plane Module): present,
                    // empty, as ultrasound devices send it (the demo's US files
                    // keep it absent: one of their findings)
                    if m == 2 { d.set(keyword: "PatientOrientation", "") }
                    deid?.apply(&d)
                    addPixels(&d, s, instance: i, cache: &cache)
                    writeFile("\(dir)/IM\(i).dcm", encode(d, ts))
                    if firstSOP == nil { firstSOP = sop }
                }
                made[m] += n
                total += n
            }
        }
    }
    let secs = clockSeconds() - start
    print("corpus\(deidentified ? " (de-identified, PS3.15 Basic Profile)" : ""): \(total) files (CT \(made[0]), MR \(made[1]), US \(made[2])), \(patientNo) patients in \(out) — \(String(format: secs, decimals: 1)) s")
}

func clockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// `check DIR`: reads every file under DIR with DcmData's reader and prints
/// its transfer syntax, element count and anomalies (a quick self-check).
func checkFiles(_ dir: String) {
    var paths: [String] = []
    func walk(_ d: String) {
        guard let h = opendir(d) else { paths.append(d); return }
        defer { closedir(h) }
        while let ent = readdir(h) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." || name.hasSuffix(".md") { continue }
            if ent.pointee.d_type == DT_DIR { walk(d + "/" + name) } else { paths.append(d + "/" + name) }
        }
    }
    walk(dir)
    var opts = ReadOptions(); opts.stopBeforePixelData = false
    for p in paths.sorted() {
        do {
            let f = try DicomReader.read(path: p, options: opts)
            var n = 0
            func count(_ d: DataSet) { for e in d.elements { n += 1; e.items?.forEach(count) } }
            count(f.dataSet)
            print("\(p): \(f.transferSyntax.name), \(n) elements\(f.dataSet[.pixelData] == nil ? ", no Pixel Data" : "")\(f.anomalies.isEmpty ? "" : ":")")
            for a in f.anomalies { print("    \(a)") }
        } catch {
            print("\(p): ERROR \(error)")
        }
    }
}

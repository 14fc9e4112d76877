; Inno Setup script for the Windows installer of cxdesk.
;   iscc /DAppVersion=0.1.0 packaging\cxdesk.iss      (after `python packaging\build.py`)
; Installs for the current user only (no administrator rights), adds Start-menu and desktop shortcuts,
; associates no file types (the app opens files through its import wizard). The uninstaller removes
; the program and keeps the owner's data folder (%APPDATA%\cxdesk: database, settings, logs), and says so.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\cxdesk.iss
#endif

[Setup]
AppId={{6F0C2B7E-3C1D-4E7B-9A52-0D4C9B1E7A21}
AppName=cxdesk
AppVersion={#AppVersion}
AppVerName=cxdesk {#AppVersion}
AppPublisher=cxdesk
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\cxdesk
DefaultGroupName=cxdesk
DisableProgramGroupPage=yes
ChangesAssociations=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\resources\icons\cxdesk.ico
UninstallDisplayIcon={app}\cxdesk.exe
UninstallDisplayName=cxdesk {#AppVersion}
OutputDir=..\build\installer
OutputBaseFilename=cxdesk-{#AppVersion}-windows-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Messages]
ConfirmUninstall=Remove %1 from this computer?%n%nYour feedback database, settings and logs are kept in your data folder.

[CustomMessages]
english.DataKept=cxdesk was removed. Your data folder was kept:%n%1%n%nIt holds your feedback database, settings and logs. Delete it yourself if you no longer need them.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The PyInstaller onedir build: the windowed cxdesk.exe, the console cxdesk-cli.exe and _internal\.
Source: "..\build\dist\cxdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\cxdesk"; Filename: "{app}\cxdesk.exe"; WorkingDir: "{userdocs}"
Name: "{autoprograms}\Uninstall cxdesk"; Filename: "{uninstallexe}"
Name: "{autodesktop}\cxdesk"; Filename: "{app}\cxdesk.exe"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\cxdesk.exe"; Description: "{cm:LaunchProgram,cxdesk}"; Flags: nowait postinstall skipifsilent

; Only the program folder is removed. The data folder {userappdata}\cxdesk is deliberately not listed
; here or anywhere else: the owner's database must survive an uninstall or an upgrade.
[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  // Said after the removal; a silent uninstall (/SILENT, /VERYSILENT with /SUPPRESSMSGBOXES) skips the box.
  if CurUninstallStep = usPostUninstall then
    SuppressibleMsgBox(FmtMessage(CustomMessage('DataKept'), [ExpandConstant('{userappdata}\cxdesk')]),
      mbInformation, MB_OK, IDOK);
end;

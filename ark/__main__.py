from ark.cli import main

main()
